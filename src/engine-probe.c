/* engine-probe: placeholder until its module lands. */
