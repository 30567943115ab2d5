/* store-monitor: placeholder until its module lands. */
