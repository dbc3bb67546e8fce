# SPDX-License-Identifier: GPL-2.0-only
#
# Turns `objdump -d -M intel --insn-width=15` output of a gen-corpus.sh
# object into one line per label, for the corpus test:
#
#   MODE LABEL NLINES HEXBYTES<TAB>TEXT
#
# HEXBYTES are all the bytes under the label, NLINES how many instructions
# objdump made of them (more than one where it shows a prefix it considers
# void, such as a REX before a legacy prefix, on a line of its own) and
# TEXT their texts joined by " | ", without objdump's "# address" comments.
#
#   objdump ... | awk -v mode=64 -f objdump2tab.awk

function flush() {
	if (label != "")
		printf "%s %s %d %s\t%s\n", mode, label, nlines, hex, text
	label = ""
}

BEGIN { FS = "\t" }

/^[0-9a-f]+ <[^>]+>:$/ {
	flush()
	label = $0
	sub(/^[0-9a-f]+ </, "", label)
	sub(/>:$/, "", label)
	hex = ""
	text = ""
	nlines = 0
	next
}

label != "" && /^ *[0-9a-f]+:\t/ {
	bytes = $2
	gsub(/ /, "", bytes)
	hex = hex bytes
	t = $3
	sub(/ *#.*$/, "", t)
	gsub(/  +/, " ", t)
	text = nlines ? text " | " t : t
	nlines++
}

END { flush() }
