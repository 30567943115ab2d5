/* store-backup: placeholder until its module lands. */
