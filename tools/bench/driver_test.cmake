# Checks run-bench.py's verdicts with stand-in runtimes from testdata/:
#   wrong output  -> MISMATCH in the table, exit 1;
#   runtime fails -> n/a with the runtime's stderr in a note, exit 0.
#   cmake -DPYTHON=... -DDRIVER=run-bench.py -DBUILD_DIR=... -DTESTDATA=... -P driver_test.cmake
function(run_driver fake expected_rc expected_regex)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env WASM3=${TESTDATA}/${fake}
            ${PYTHON} ${DRIVER} --build-dir ${BUILD_DIR} --size smoke --reps 1
            --only fib --runtimes wasm3
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 20)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "${fake}: driver exited ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  if(NOT out MATCHES "${expected_regex}")
    message(FATAL_ERROR "${fake}: output lacks '${expected_regex}'\n${out}")
  endif()
endfunction()

run_driver(wrong-runtime.sh 1 "fib +[0-9.]+ +MISMATCH")
run_driver(failing-runtime.sh 0 "wasm3 \\(fib\\): n/a: exited 3: failing-runtime: cannot run")
