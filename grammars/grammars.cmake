# grammars.cmake - fetch the tree-sitter Python grammar (pinned, sha256-verified) and
# embed our own queries. The grammar is never committed: it comes from npm at configure time.

set(TS_PYTHON_VERSION 0.23.6)
set(TS_PYTHON_SHA256 aab5b860d93dbf84b37fed532f7dacc0468ede5387d0c74911d68f964287662a)
set(TS_PYTHON_TGZ tree-sitter-python-${TS_PYTHON_VERSION}.tgz)
set(TS_PYTHON_DIR ${CMAKE_BINARY_DIR}/grammars/tree-sitter-python)
# A download cache shared between build directories, so a second build works offline.
if(DEFINED ENV{XDG_CACHE_HOME})
  set(RETORT_FETCH_CACHE $ENV{XDG_CACHE_HOME}/retort/npm)
else()
  set(RETORT_FETCH_CACHE $ENV{HOME}/.cache/retort/npm)
endif()

function(retort__verify file out)
  if(EXISTS ${file})
    file(SHA256 ${file} sum)
    if(sum STREQUAL TS_PYTHON_SHA256)
      set(${out} TRUE PARENT_SCOPE)
      return()
    endif()
  endif()
  set(${out} FALSE PARENT_SCOPE)
endfunction()

if(NOT EXISTS ${TS_PYTHON_DIR}/src/parser.c)
  set(tgz ${RETORT_FETCH_CACHE}/${TS_PYTHON_TGZ})
  retort__verify(${tgz} ok)
  if(NOT ok)
    find_program(NPM npm)
    if(NOT NPM)
      message(FATAL_ERROR "npm is needed once to fetch tree-sitter-python@${TS_PYTHON_VERSION}: apt-get install npm")
    endif()
    file(MAKE_DIRECTORY ${RETORT_FETCH_CACHE})
    execute_process(COMMAND ${NPM} pack --silent tree-sitter-python@${TS_PYTHON_VERSION}
                    WORKING_DIRECTORY ${RETORT_FETCH_CACHE}
                    RESULT_VARIABLE rc OUTPUT_QUIET)
    retort__verify(${tgz} ok)
    if(NOT rc EQUAL 0 OR NOT ok)
      file(REMOVE ${tgz})
      message(FATAL_ERROR "could not fetch tree-sitter-python@${TS_PYTHON_VERSION} with npm, "
                          "or its sha256 is not ${TS_PYTHON_SHA256}; nothing was built")
    endif()
  endif()
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/grammars/unpack)
  file(ARCHIVE_EXTRACT INPUT ${tgz} DESTINATION ${CMAKE_BINARY_DIR}/grammars/unpack
       PATTERNS package/src)
  file(REMOVE_RECURSE ${TS_PYTHON_DIR})
  file(RENAME ${CMAKE_BINARY_DIR}/grammars/unpack/package ${TS_PYTHON_DIR})
endif()

# Third-party C: compiled with its own headers, warnings off.
add_library(ts_python STATIC ${TS_PYTHON_DIR}/src/parser.c ${TS_PYTHON_DIR}/src/scanner.c)
target_include_directories(ts_python PRIVATE ${TS_PYTHON_DIR}/src)
target_compile_options(ts_python PRIVATE -w -O2)
set_target_properties(ts_python PROPERTIES C_EXTENSIONS ON)

# retort_embed(NAME OUT files...) - turn data files into a C table
#   const EmbeddedFile NAME[] = {{"basename", "contents", len}, ...}; terminated by {0}.
function(retort_embed name out)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DNAME=${name} -DOUT=${out} "-DFILES=${ARGN}"
            -P ${CMAKE_SOURCE_DIR}/grammars/embed.cmake
    DEPENDS ${ARGN} ${CMAKE_SOURCE_DIR}/grammars/embed.cmake
    COMMENT "Embedding ${name}" VERBATIM)
endfunction()

# retort_embed_tree(NAME OUT DIR files...) - the same, each file named by its path relative
#   to DIR ("create-migration/SKILL.md"), for files whose base names repeat.
function(retort_embed_tree name out dir)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DNAME=${name} -DOUT=${out} -DBASE_DIR=${dir} "-DFILES=${ARGN}"
            -P ${CMAKE_SOURCE_DIR}/grammars/embed.cmake
    DEPENDS ${ARGN} ${CMAKE_SOURCE_DIR}/grammars/embed.cmake
    COMMENT "Embedding ${name}" VERBATIM)
endfunction()

file(GLOB RETORT_QUERIES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/grammars/queries/*.scm)
set(RETORT_QUERIES_C ${CMAKE_BINARY_DIR}/generated/queries.c)
retort_embed(retort_queries ${RETORT_QUERIES_C} ${RETORT_QUERIES})
