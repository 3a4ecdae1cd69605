-- coderunner schema, version 6: the program's arguments as exact argv
-- words (each followed by a NUL byte), for clients that send a list
-- (Piston's args); NULL: command_line_arguments, split at blanks.
ALTER TABLE submissions ADD COLUMN argv BLOB;
