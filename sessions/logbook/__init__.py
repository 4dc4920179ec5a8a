"""The log of stretching sessions: upload, live appends, edits, deletion (`services`), reads (`selectors`), and
the catalog rows a logged session refers to, remembered per catalog version (`references`)."""
