# Strict warnings for every target; sanitizers when asked for.
set(OP_WARNINGS
	-Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wwrite-strings
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
	-Wcast-qual -Wundef -Wvla -Wno-unused-parameter
	# Messages are cut to their buffers on purpose.
	-Wno-format-truncation)
if(OP_WERROR)
	list(APPEND OP_WARNINGS -Werror)
endif()
add_compile_options(${OP_WARNINGS})

if(OP_SANITIZE)
	add_compile_options(-fsanitize=address,undefined
	    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
	add_link_options(-fsanitize=address,undefined)
endif()
