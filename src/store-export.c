/* store-export: placeholder until its module lands. */
