/* forms: placeholder until its module lands. */
