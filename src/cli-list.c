/* cli-list: placeholder until its module lands. */
