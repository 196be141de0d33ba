"""The model and its numbers: exact numbers, the reader of documents, instances and their files."""
