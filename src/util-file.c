/* util-file: placeholder until its module lands. */
