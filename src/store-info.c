/* store-info: placeholder until its module lands. */
