program 'recompensa_completar_tarea'
  constants: 5  fields: 1  code: 25 bytes
  field table: task.measurements_count
  runs pre: False  runs post: False
  certificate: full 5 steps, 1 fetches  pre 1 steps, 0 fetches  post 1 steps, 0 fetches

full:  [0, 23)
     0  FIELD              @0 task.measurements_count
     3  CONST              #0 1
     6  CMP_JUMP_IF_FALSE  '==', -> 17                   ; rule_first.compare.0
    11  CONST              #1 5
    14  ASSIGN_POINTS      #2 'FirstCompletion'          ; rule_first.assign_points.0
    17  CONST              #3 2
    20  ASSIGN_POINTS      #4 'TaskCompleted'            ; recompensa_completar_tarea.assign_points.0

pre:  [23, 24)
    23  HALT

post:  [24, 25)
    24  HALT
