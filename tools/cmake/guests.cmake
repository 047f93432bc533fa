# Helpers that build guest programs at build time.
#
# capsa_add_c_guest(<name> SOURCE <file.c> [OPT <-O0|-O2>] [KEEP_NAMES] [DEPENDS <header>...])
#   builds ${CMAKE_CURRENT_BINARY_DIR}/<name>.wasm with clang-14 --target=wasm32-wasi
#   and defines the custom target guest_<name>. The binary is stripped (-s)
#   unless KEEP_NAMES is given: then only debug info goes
#   (-Wl,--strip-debug) and the name section stays, so traps name functions.
#   DEPENDS lists local headers the source includes, so editing one rebuilds the guest.
# capsa_add_wat(<name> SOURCE <file.wat>)
#   builds ${CMAKE_CURRENT_BINARY_DIR}/<name>.wasm with wat2wasm.
# Both append the target to the global property CAPSA_GUESTS so test targets can depend on them.

function(capsa_add_c_guest name)
  cmake_parse_arguments(G "KEEP_NAMES" "SOURCE;OPT" "EXTRA_FLAGS;DEPENDS" ${ARGN})
  if(NOT G_OPT)
    set(G_OPT -O2)
  endif()
  if(G_KEEP_NAMES)
    set(strip -Wl,--strip-debug)
    set(what "${G_OPT}, with names")
  else()
    set(strip -s)
    set(what "${G_OPT}")
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  get_filename_component(src ${G_SOURCE} ABSOLUTE)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CAPSA_WASM_CC} --target=wasm32-wasi --sysroot=/usr -fuse-ld=lld
            -nostdlibinc -isystem /usr/include/wasm32-wasi
            ${G_OPT} ${strip} -Wall -Werror ${G_EXTRA_FLAGS} ${src} -o ${out}
    DEPENDS ${src} ${G_DEPENDS}
    COMMENT "Building wasm32-wasi guest ${name}.wasm (${what})"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
  set_property(GLOBAL APPEND PROPERTY CAPSA_GUESTS guest_${name})
endfunction()

function(capsa_add_native_twin name)
  # The same C program built natively, to compare outputs with the wasm build.
  cmake_parse_arguments(G "" "SOURCE" "" ${ARGN})
  add_executable(${name} ${G_SOURCE})
  target_compile_options(${name} PRIVATE -O2 -w)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
endfunction()

function(capsa_add_wat name)
  cmake_parse_arguments(G "" "SOURCE" "FLAGS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  get_filename_component(src ${G_SOURCE} ABSOLUTE)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CAPSA_WAT2WASM} ${G_FLAGS} ${src} -o ${out}
    DEPENDS ${src}
    COMMENT "Assembling ${name}.wasm"
    VERBATIM)
  add_custom_target(wat_${name} ALL DEPENDS ${out})
  set_property(GLOBAL APPEND PROPERTY CAPSA_GUESTS wat_${name})
endfunction()
