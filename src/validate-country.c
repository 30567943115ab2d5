/* validate-country: placeholder until its module lands. */
