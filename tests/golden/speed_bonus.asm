program 'bonus_por_velocidad'
  constants: 3  fields: 2  code: 24 bytes
  field table: user.avg_time, all.avg_time
  runs pre: False  runs post: False
  certificate: full 7 steps, 2 fetches  pre 1 steps, 0 fetches  post 1 steps, 0 fetches

full:  [0, 22)
     0  FIELD              @0 user.avg_time
     3  FIELD              @1 all.avg_time
     6  CONST              #0 0.8
     9  MUL                                              ; rule_speed.compare.0.arith.1
    10  CMP_JUMP_IF_FALSE  '<', -> 21                    ; rule_speed.compare.0
    15  CONST              #1 10
    18  ASSIGN_POINTS      #2 'SpeedBonus'               ; rule_speed.assign_points.0
    21  HALT

pre:  [22, 23)
    22  HALT

post:  [23, 24)
    23  HALT
