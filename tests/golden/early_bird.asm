program 'early_bird'
  constants: 18  fields: 1  code: 129 bytes
  field table: externalUserId
  parent_variables: {'variable_max_points': 50}
  runs pre: True  runs post: True
  certificate: full 1 steps, 0 fetches  pre 16 steps, 1 fetches  post 15 steps, 0 fetches

full:  [0, 1)
     0  HALT

pre:  [1, 71)
     1  DATA               #0 'hour'
     4  CONST              #1 0
     7  CMP_JUMP_IF_FALSE  '>=', -> 32                   ; closed_at_night.and.0.compare.0
    12  DATA               #0 'hour'
    15  CONST              #2 6
    18  CMP_JUMP_IF_FALSE  '<', -> 32                    ; closed_at_night.and.0.compare.1
    23  CONST              #3 'closed\tbefore 6:00'
    26  SET_CALLBACK       #4 'reason'
    29  VETO               #5 'ClosedAtNight'
    32  FIELD              @0 externalUserId
    35  CONST              #6 'qa-bot'
    38  CMP_JUMP_IF_FALSE  '==', -> 44                   ; tag.compare.0
    43  HALT
    44  DATA               #0 'hour'
    47  CONST              #7 9
    50  CMP_JUMP_IF_FALSE  '<', -> 64                    ; tag.else_if.0.compare.0
    55  CONST              #8 True
    58  SET_DATA           #9 'early'
    61  JUMP               -> 70
    64  CONST              #10 False
    67  SET_DATA           #9 'early'
    70  HALT

post:  [71, 129)
    71  DATA               #0 'hour'
    74  CONST              #7 9
    77  CMP_JUMP_IF_FALSE  '<', -> 109                   ; early_bonus.and.0.compare.0
    82  DATA               #11 'is_holiday'
    85  JUMP_IF_TRUE       -> 109                        ; early_bonus.and.0.not.1.field.0
    88  PARENT             parent.points
    91  CONST              #12 5
    94  ADD                                              ; early_bonus.set_points.0.arith.0
    95  SET_POINTS                                       ; early_bonus.set_points.0
    96  CONST              #13 'EarlyBird'
    99  SET_CASE_NAME                                    ; early_bonus.set_case_name.1
   100  PARENT             parent.points
   103  SET_CALLBACK       #14 'base_points'
   106  JUMP               -> 128
   109  PARENT             parent.case_name
   112  CONST              #15 None
   115  CMP_JUMP_IF_FALSE  '==', -> 128                  ; early_bonus.else_if.0.compare.0
   120  CONST              #16 'NoCase'
   123  SET_CASE_NAME                                    ; early_bonus.else_if.0.set_case_name.0
   124  CONST              #1 0
   127  SET_POINTS                                       ; early_bonus.else_if.0.set_points.1
   128  HALT
