/* cli-common: placeholder until its module lands. */
