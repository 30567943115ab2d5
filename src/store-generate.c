/* store-generate: placeholder until its module lands. */
