-- coderunner schema, version 5: Judge0's additional_files, the zip
-- archive unpacked into the box before the compile (NULL: none).
ALTER TABLE submissions ADD COLUMN additional_files BLOB;
