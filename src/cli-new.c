/* cli-new: placeholder until its module lands. */
