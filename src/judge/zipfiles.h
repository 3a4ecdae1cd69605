#ifndef JUDGE_ZIPFILES_H
#define JUDGE_ZIPFILES_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct judge_file;

/*
 * Judge0's additional_files: a zip archive unpacked into the box before
 * the compile.  Only regular files (and directories, which are made for
 * the files in them) are taken; every name must stay inside the box.
 *
 * Caps: at most max_entries entries, at most max_bytes unpacked in all
 * (Judge0's max_extract_size, 10240 KB), and no entry of 64 KiB or more
 * that unpacks to more than max_ratio times its packed size (a deflate
 * bomb reaches about 1000).
 */
struct judge_zip_caps {
	size_t		 max_entries;
	uint64_t	 max_bytes;
	unsigned int	 max_ratio;
};
#define JUDGE_ZIP_MAX_ENTRIES	1000
#define JUDGE_ZIP_MAX_BYTES	(10240u * 1024)
#define JUDGE_ZIP_MAX_RATIO	100
#define JUDGE_ZIP_RATIO_FROM	(64u << 10)

/* The defaults above. */
const struct judge_zip_caps *judge_zip_default_caps(void);

/*
 * Unpacks the archive data (len bytes) under caps (NULL: the defaults).
 * Returns 1 with the regular files in *files (*nfiles of them, in the
 * archive's order, names as relative paths of plain components; free
 * with judge_files_free), 0 when the archive is refused, with why set to
 * a sentence for the client that names the problem (and the entry), or
 * -1 with err set when memory ran out.
 *
 * Refused: not a zip, a damaged entry (bad CRC, a size that lies),
 * encrypted entries, too many entries or bytes, a ratio over the cap, an
 * absolute name, a "." or ".." or empty component, a backslash or a
 * control character in a name, a name of 255 bytes or more or deeper
 * than SANDBOX_BOX_DEPTH, the same name twice, a file where another
 * entry needs a directory, and any entry that is not a regular file or
 * a directory (symbolic links, devices, fifos, sockets).
 */
int	judge_zip_unpack(const void *data, size_t len,
	    const struct judge_zip_caps *caps, struct judge_file **files,
	    size_t *nfiles, char *why, size_t why_size, struct err *err);

/* Frees n files and the array (NULL does nothing). */
void	judge_files_free(struct judge_file *files, size_t n);

#endif
