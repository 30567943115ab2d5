/* store-paths: placeholder until its module lands. */
