"""dslc: the compiler for game-scoring strategies (JSON AST and text)."""
