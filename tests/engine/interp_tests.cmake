# engine_interp_test: the function compiler and the interpreter, through
# LoadModule + Instantiate + Invoke. Included from tests/engine/CMakeLists.txt.
set(CAPSA_INTERP_WATS interp_numeric interp_control interp_memory interp_table interp_calls interp_other)
foreach(w ${CAPSA_INTERP_WATS})
  capsa_add_wat(${w} SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/wat/${w}.wat FLAGS --debug-names)
endforeach()

capsa_engine_test(engine_interp_test
  interp_test_util.cc
  interp_numeric_test.cc
  interp_control_test.cc
  interp_memory_test.cc
  interp_table_test.cc
  interp_calls_test.cc
  interp_validation_test.cc
)
target_compile_definitions(engine_interp_test PRIVATE
  CAPSA_INTERP_WASM_DIR="${CMAKE_CURRENT_BINARY_DIR}")
foreach(w ${CAPSA_INTERP_WATS})
  add_dependencies(engine_interp_test wat_${w})
endforeach()
