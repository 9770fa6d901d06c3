# Per-target warnings (not global add_compile_options), sanitizers, and the module helper.
add_library(ferry_warnings INTERFACE)
target_compile_options(ferry_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wimplicit-fallthrough -Wsuggest-override
  $<$<BOOL:${FERRY_WERROR}>:-Werror>)

if(FERRY_SANITIZE)
  add_compile_options(-fsanitize=${FERRY_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${FERRY_SANITIZE})
endif()

# One call per module: ferry_<name> with alias ferry::<name>.
function(ferry_add_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ferry_${M_NAME} STATIC ${M_SOURCES})
  add_library(ferry::${M_NAME} ALIAS ferry_${M_NAME})
  target_include_directories(ferry_${M_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(ferry_${M_NAME} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ferry_warnings ${M_PRIVATE_DEPS})
endfunction()
