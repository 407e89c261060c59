program 'bonus_extiende_default'
  constants: 3  fields: 0  code: 21 bytes
  runs pre: False  runs post: True
  certificate: full 1 steps, 0 fetches  pre 1 steps, 0 fetches  post 9 steps, 0 fetches

full:  [0, 1)
     0  HALT

pre:  [1, 2)
     1  HALT

post:  [2, 21)
     2  DATA               #0 'is_weekend'
     5  JUMP_IF_FALSE      -> 20                         ; post_weekend.field.0
     8  PARENT             parent.points
    11  CONST              #1 1.5
    14  MUL                                              ; post_weekend.set_points.0.arith.0
    15  SET_POINTS                                       ; post_weekend.set_points.0
    16  CONST              #2 'WeekendBonus'
    19  SET_CASE_NAME                                    ; post_weekend.set_case_name.1
    20  HALT
