/*
 * Judge0's additional_files: a zip archive read with libzip, in memory,
 * into a list of files for the box.  Nothing here touches a disk: the
 * box writes the files itself (sandbox_box_write, relative to its own
 * directory fd, never through a link), so what this file guards is what
 * a name and an entry may be, and how much an archive may unpack to.
 *
 * Sizes are checked twice: the central directory's claim before a byte
 * is inflated (so a bomb costs nothing), then the bytes actually read
 * (one more than claimed is asked for, and libzip checks the CRC at the
 * end), so an archive that lies about its sizes is refused as damaged.
 * The archive is opened without ZIP_CHECKCONS: archives written by
 * streaming tools keep their sizes in data descriptors, not in the local
 * headers, and unzip (which Judge0 runs) takes them; the central
 * directory is what is read and checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "base/err.h"
#include "judge.h"
#include "sandbox/sandbox.h"
#include "zipfiles.h"

static const struct judge_zip_caps default_caps = {
	JUDGE_ZIP_MAX_ENTRIES, JUDGE_ZIP_MAX_BYTES, JUDGE_ZIP_MAX_RATIO,
};

const struct judge_zip_caps *
judge_zip_default_caps(void)
{
	return &default_caps;
}

void
judge_files_free(struct judge_file *files, size_t n)
{
	size_t	i;

	if (files == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].content);
	}
	free(files);
}

/* Sets why (for the client) and returns 0, the refusal. */
static int
refuse(char *why, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Whether name (without a directory entry's final '/') is a relative
 * path of plain components the box accepts: no empty, "." or ".."
 * component, no backslash (another system's separator) or control
 * character, shorter than a box file name and no deeper than a box.
 * Returns NULL if so, else what is wrong.
 */
static const char *
bad_name(const char *name, size_t len)
{
	size_t	i, comp = 0;
	int	depth = 1;

	if (len == 0)
		return "has an empty name";
	if (name[0] == '/')
		return "has an absolute name";
	if (len >= 255)
		return "has a name of 255 bytes or more";
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '/') {
			if (i - comp == 0)
				return "has an empty path component";
			if ((i - comp == 1 && name[comp] == '.') ||
			    (i - comp == 2 && name[comp] == '.' &&
			    name[comp + 1] == '.'))
				return "has a \".\" or \"..\" component, which "
				    "could leave the box";
			if (i < len && ++depth > SANDBOX_BOX_DEPTH)
				return "is nested too deep";
			comp = i + 1;
			continue;
		}
		if (name[i] == '\\')
			return "has a backslash in its name";
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return "has a control character in its name";
	}
	return NULL;
}

/* 1 if path a is a directory above path b ("a" and "a/b"). */
static int
above(const char *a, const char *b)
{
	size_t	la = strlen(a);

	return strncmp(a, b, la) == 0 && b[la] == '/';
}

/*
 * 1 if the entry name (a directory if isdir) cannot be in a box beside
 * the files and directories taken so far: the same file twice, or a
 * file where a directory is needed.  Repeated directories are fine.
 */
static int
clashes(const char *name, int isdir, const struct judge_file *v,
    size_t nv, char *const *dirs, size_t nd)
{
	size_t	k;

	for (k = 0; k < nv; k++)
		if (strcmp(v[k].name, name) == 0 || above(v[k].name, name) ||
		    (!isdir && above(name, v[k].name)))
			return 1;
	for (k = 0; !isdir && k < nd; k++)
		if (strcmp(dirs[k], name) == 0 || above(name, dirs[k]))
			return 1;
	return 0;
}

/*
 * The type bits of an entry made on Unix (0 for other systems, whose
 * archives carry no links or devices).
 */
static unsigned int
entry_type(zip_t *za, zip_uint64_t i)
{
	zip_uint8_t	opsys;
	zip_uint32_t	attr;

	if (zip_file_get_external_attributes(za, i, 0, &opsys, &attr) != 0 ||
	    opsys != ZIP_OPSYS_UNIX)
		return 0;
	return (attr >> 16) & S_IFMT;
}

/* The permission bits of a Unix entry: 0755 if any x bit, else 0644. */
static int
entry_mode(zip_t *za, zip_uint64_t i)
{
	zip_uint8_t	opsys;
	zip_uint32_t	attr;

	if (zip_file_get_external_attributes(za, i, 0, &opsys, &attr) == 0 &&
	    opsys == ZIP_OPSYS_UNIX && ((attr >> 16) & 0111) != 0)
		return 0755;
	return 0644;
}

/*
 * Reads entry i (size bytes claimed) into a new buffer.  Returns 1 with
 * *out, 0 (damaged: why set) or -1 (ENOMEM).
 */
static int
read_entry(zip_t *za, zip_uint64_t i, const char *name, zip_uint64_t size,
    char **out, char *why, size_t why_size, struct err *err)
{
	zip_file_t	*zf;
	zip_int64_t	 n;
	char		*buf;

	if ((buf = malloc(size + 1)) == NULL)
		return err_errno(err, "malloc");
	if ((zf = zip_fopen_index(za, i, 0)) == NULL) {
		free(buf);
		return refuse(why, why_size, "entry \"%.100s\" cannot be "
		    "read: %s", name, zip_strerror(za));
	}
	n = zip_fread(zf, buf, size + 1);
	if (n < 0) {
		refuse(why, why_size, "entry \"%.100s\" is damaged: %s", name,
		    zip_file_strerror(zf));
		zip_fclose(zf);
		free(buf);
		return 0;
	}
	zip_fclose(zf);
	if ((zip_uint64_t)n != size) {
		free(buf);
		return refuse(why, why_size, "entry \"%.100s\" is damaged: "
		    "its size is not the one the archive states", name);
	}
	buf[size] = '\0';
	*out = buf;
	return 1;
}

int
judge_zip_unpack(const void *data, size_t len,
    const struct judge_zip_caps *caps, struct judge_file **files,
    size_t *nfiles, char *why, size_t why_size, struct err *err)
{
	zip_error_t		 zerr;
	zip_source_t		*src = NULL;
	zip_t			*za = NULL;
	zip_stat_t		 st;
	zip_int64_t		 ne;
	zip_uint64_t		 i, total = 0;
	struct judge_file	*v = NULL;
	char			**dirs = NULL, *name = NULL;
	const char		*raw, *bad;
	size_t			 nv = 0, nd = 0, nlen, k;
	unsigned int		 type;
	int			 rc = -1, isdir;

	*files = NULL;
	*nfiles = 0;
	if (caps == NULL)
		caps = &default_caps;
	zip_error_init(&zerr);
	if (len == 0) {
		rc = refuse(why, why_size, "is empty, not a zip archive");
		goto out;
	}
	if ((src = zip_source_buffer_create(data, len, 0, &zerr)) == NULL) {
		err_set(err, "zip source: %s", zip_error_strerror(&zerr));
		goto out;
	}
	if ((za = zip_open_from_source(src, ZIP_RDONLY,
	    &zerr)) == NULL) {
		zip_source_free(src);
		if (zip_error_code_zip(&zerr) == ZIP_ER_MEMORY) {
			errno = ENOMEM;
			err_errno(err, "zip open");
			goto out;
		}
		rc = refuse(why, why_size, "is not a readable zip archive: %s",
		    zip_error_strerror(&zerr));
		goto out;
	}
	if ((ne = zip_get_num_entries(za, 0)) < 0 ||
	    (zip_uint64_t)ne > caps->max_entries) {
		rc = refuse(why, why_size, "has more than %zu entries",
		    caps->max_entries);
		goto out;
	}
	if ((v = calloc((size_t)ne + 1, sizeof(*v))) == NULL ||
	    (dirs = calloc((size_t)ne + 1, sizeof(*dirs))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	for (i = 0; i < (zip_uint64_t)ne; i++) {
		zip_stat_init(&st);
		if (zip_stat_index(za, i, 0, &st) != 0 ||
		    (raw = zip_get_name(za, i, ZIP_FL_ENC_RAW)) == NULL) {
			rc = refuse(why, why_size, "entry %llu cannot be read: "
			    "%s", (unsigned long long)i, zip_strerror(za));
			goto out;
		}
		nlen = strlen(raw);
		isdir = nlen > 0 && raw[nlen - 1] == '/';
		if ((bad = bad_name(raw, isdir ? nlen - 1 : nlen)) != NULL) {
			rc = refuse(why, why_size, "entry \"%.100s\" %s", raw,
			    bad);
			goto out;
		}
		type = entry_type(za, i);
		if (type == S_IFLNK) {
			rc = refuse(why, why_size, "entry \"%.100s\" is a "
			    "symbolic link; only files and directories are "
			    "allowed", raw);
			goto out;
		}
		if (type != 0 && type != S_IFREG && type != S_IFDIR) {
			rc = refuse(why, why_size, "entry \"%.100s\" is a "
			    "device, fifo or socket; only files and "
			    "directories are allowed", raw);
			goto out;
		}
		if ((type == S_IFDIR && !isdir) ||
		    (type == S_IFREG && isdir)) {
			rc = refuse(why, why_size, "entry \"%.100s\" has a type "
			    "that does not match its name", raw);
			goto out;
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE) {
			rc = refuse(why, why_size, "entry \"%.100s\" is "
			    "encrypted", raw);
			goto out;
		}
		if ((name = strndup(raw, isdir ? nlen - 1 : nlen)) == NULL) {
			err_errno(err, "strndup");
			goto out;
		}
		if (clashes(name, isdir, v, nv, dirs, nd)) {
			rc = refuse(why, why_size, "entry \"%.100s\" clashes "
			    "with another entry of the same name or path",
			    raw);
			goto out;
		}
		if (isdir) {
			dirs[nd++] = name;
			name = NULL;
			continue;
		}
		if (!(st.valid & ZIP_STAT_SIZE) ||
		    st.size > caps->max_bytes - total) {
			rc = refuse(why, why_size, "unpacks to more than %llu "
			    "bytes (at entry \"%.100s\")",
			    (unsigned long long)caps->max_bytes, raw);
			goto out;
		}
		if (st.size >= JUDGE_ZIP_RATIO_FROM &&
		    (!(st.valid & ZIP_STAT_COMP_SIZE) || st.comp_size == 0 ||
		    st.size / st.comp_size >= caps->max_ratio)) {
			rc = refuse(why, why_size, "entry \"%.100s\" is "
			    "compressed more than %u to 1 (a zip bomb?)", raw,
			    caps->max_ratio);
			goto out;
		}
		switch (read_entry(za, i, raw, st.size, &v[nv].content, why,
		    why_size, err)) {
		case -1:
			goto out;
		case 0:
			rc = 0;
			goto out;
		}
		v[nv].name = name;
		name = NULL;
		v[nv].len = (size_t)st.size;
		v[nv].mode = entry_mode(za, i);
		nv++;
		total += st.size;
	}
	*files = v;
	*nfiles = nv;
	v = NULL;
	rc = 1;
out:
	free(name);
	judge_files_free(v, nv);
	for (k = 0; dirs != NULL && k < nd; k++)
		free(dirs[k]);
	free(dirs);
	if (za != NULL)
		zip_discard(za);
	zip_error_fini(&zerr);
	return rc;
}
