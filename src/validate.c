/* validate: placeholder until its module lands. */
