/* ui.h: the console's shared declarations (placeholder until it lands). */
