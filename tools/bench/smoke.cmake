# Runs one benchmark natively and under a wasm runtime with the same arguments and fails
# unless both exit 0 with identical stdout.
#   cmake -DNATIVE=exe -DRUNTIME=cmd|arg -DWASM=file.wasm -DARGS=a|b -P smoke.cmake
# Lists are passed with '|' because ';' does not survive add_test's command line.
string(REPLACE "|" ";" runtime "${RUNTIME}")
string(REPLACE "|" ";" args "${ARGS}")

execute_process(COMMAND ${NATIVE} ${args} OUTPUT_VARIABLE native_out RESULT_VARIABLE native_rc
                TIMEOUT 20)
execute_process(COMMAND ${runtime} ${WASM} ${args} OUTPUT_VARIABLE wasm_out
                ERROR_VARIABLE wasm_err RESULT_VARIABLE wasm_rc TIMEOUT 20)

if(NOT native_rc EQUAL 0)
  message(FATAL_ERROR "native ${NATIVE} ${args} exited ${native_rc}")
endif()
if(NOT wasm_rc EQUAL 0)
  message(FATAL_ERROR "${runtime} ${WASM} ${args} exited ${wasm_rc}\n${wasm_err}")
endif()
if(NOT native_out STREQUAL wasm_out)
  message(FATAL_ERROR "output mismatch\n native: ${native_out}\n wasm:   ${wasm_out}")
endif()
message(STATUS "match: ${wasm_out}")
