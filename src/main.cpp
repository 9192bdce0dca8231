// Placeholder until the broker is wired up.
int main() { return 0; }
