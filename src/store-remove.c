/* store-remove: placeholder until its module lands. */
