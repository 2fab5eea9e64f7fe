#ifndef LEAKGATE_CLI_DOC_H
#define LEAKGATE_CLI_DOC_H

#include <stdio.h>

/*
 * The documents made from the tables (the commands and exit codes of
 * cli.h, the settings of setting.h), so that they cannot drift from the
 * code: the man page leakgate(1) that `make install` installs
 * (`leakgate --man`), and the README's settings and exit-code tables that
 * `make check` compares (`leakgate --settings-markdown`,
 * `leakgate --exit-codes-markdown`). Errors: LG_ENOMEM, LG_EOS.
 */
int lg_doc_man(FILE *out);
int lg_doc_settings_markdown(FILE *out);
int lg_doc_exit_codes_markdown(FILE *out);

#endif
