"""Input and output every layer shares: atomic writes and checksums (:mod:`.files`), FASTA
(:mod:`.fasta`, the one reader and validator of every branch), what a valid sequence is
(:mod:`.sequences`: ids and alphabets), the prediction files every model writes
(:mod:`.predictions`), logging into a rule's log (:mod:`.logs`) and external tools
(:mod:`.tools`).

May import: nothing of rnainteract (the bottom layer).
"""
