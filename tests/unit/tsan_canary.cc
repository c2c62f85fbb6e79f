// Built only into the ThreadSanitizer tree: two threads increment a plain int without
// synchronisation. TSan must report it (the tsan.canary test expects the report), so a
// clean tsan.thread_tests run means "no races found", not "TSan was not watching".
#include <cstdio>
#include <thread>

int main() {
  int shared = 0;
  std::thread other([&] { ++shared; });
  ++shared;
  other.join();
  std::printf("shared = %d\n", shared);
  return 0;
}
