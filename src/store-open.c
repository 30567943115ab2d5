/* store-open: placeholder until its module lands. */
