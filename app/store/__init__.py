"""Reading and writing the index in the database."""
