# SPDX-License-Identifier: GPL-3.0-or-later
# transfer_bench: one side of a transfer, driven by bench/transfer_throughput.sh.
qt_add_executable(transfer_bench ${CMAKE_CURRENT_LIST_DIR}/transfer_bench.cpp)
target_link_libraries(transfer_bench PRIVATE punchdrop_options punchdrop_transfer)
