/* store-x509: placeholder until its module lands. */
