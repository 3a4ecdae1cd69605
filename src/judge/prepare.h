#ifndef JUDGE_PREPARE_H
#define JUDGE_PREPARE_H

struct err;
struct lang;
struct sandbox;

/*
 * Prepared files: what a language's toolchain makes once and every
 * compile then reuses (a precompiled bits/stdc++.h, a class-data archive
 * of javac), as the language's own users do.  See prepare.c for where
 * they are kept and why a run cannot use them as a channel.
 */
struct prepared;

/*
 * Opens the directory dir, which sandbox_open checked (ours, not a link,
 * writable by us only) and binds into every run at SANDBOX_PREPARED.
 * Returns the handle (free with prepared_close), or NULL with err set.
 */
struct prepared	*prepared_open(const char *dir, struct err *);
void		 prepared_close(struct prepared *);

/*
 * The words "{prepared}" stands for in l's compile command: l's prepare
 * options, "{dir}" in them replaced by where the run sees l's prepared
 * files, when they are made; none otherwise (the compile works without,
 * only slower).  p may be NULL.  Sets *words (NULL-terminated, free with
 * util_strv_free; NULL when none) and returns 0, or -1 on ENOMEM.
 */
int	prepared_words(struct prepared *p, const struct lang *l,
	    char ***words);

/*
 * Makes l's prepared files if l has some and they are not there yet, nor
 * failed in this process, nor being made by another: runs l's prepare
 * command in a box of its own and keeps the outputs it names, whole or
 * not at all.  Returns 1 when it made them, 0 when there was nothing to
 * do, -1 with err set when they could not be made (not tried again by
 * this process).
 */
int	prepared_make(struct prepared *p, struct sandbox *sb,
	    const struct lang *l, struct err *err);

#endif
