/* util: placeholder until its module lands. */
