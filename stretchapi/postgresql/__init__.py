"""The PostgreSQL backend of the project (`ENGINE = "stretchapi.postgresql"`): Django's, with a health
check that costs no round trip while the connection is quiet (`base.DatabaseWrapper.is_usable`)."""
