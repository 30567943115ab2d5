/* store-trust: placeholder until its module lands. */
