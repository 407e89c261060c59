"""vm: the bytecode format, verifier and stack VM for scoring strategies.

Standard library only: an engine that runs published bytecode installs this
package and nothing else.
"""
