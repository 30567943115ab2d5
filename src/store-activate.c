/* store-activate: placeholder until its module lands. */
