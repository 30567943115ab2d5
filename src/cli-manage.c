/* cli-manage: placeholder until its module lands. */
