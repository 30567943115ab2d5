/* engine-control: placeholder until its module lands. */
