// Point-to-point cost: rank 0 ping-pongs `size`-byte messages with every other rank in
// turn, and reports the half round trip and bandwidth to a partner on its own node and to
// one on another node, so the cost of leaving the node is a measured number.
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo PingPongKernelInfo();
}
