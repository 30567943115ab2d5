/* store-lock: placeholder until its module lands. */
