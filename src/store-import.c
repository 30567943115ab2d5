/* store-import: placeholder until its module lands. */
