# Writes OUT, a C file defining kw_trust_vn_pem: the PEM files of DIR in
# name order, concatenated, one string literal per line.
file(GLOB PEMS ${DIR}/*.pem)
list(SORT PEMS)
set(body "")
foreach(pem IN LISTS PEMS)
  file(STRINGS ${pem} lines)
  foreach(line IN LISTS lines)
    string(REPLACE "\\" "\\\\" line "${line}")
    string(REPLACE "\"" "\\\"" line "${line}")
    string(APPEND body "    \"${line}\\n\"\n")
  endforeach()
endforeach()
file(WRITE ${OUT} "/* Generated from the PEM files of trust/vn by wasm/cmake/embed_pem.cmake. */\nconst char kw_trust_vn_pem[] =\n${body}    \"\";\n")
