/* store-list: placeholder until its module lands. */
